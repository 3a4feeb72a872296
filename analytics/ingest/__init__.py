"""CSV ingestion: sniff a file, map its columns, parse and validate values, load batches.

The public API the Data page and the CLI use; see docs/DATA.md for the rules.
"""
from analytics.ingest.batches import drop_batch, list_batches, rejected_rows
from analytics.ingest.errors import IngestError
from analytics.ingest.load import IngestResult, ingest_file
from analytics.ingest.mapping import Mapping
from analytics.ingest.saved import load_mapping, save_mapping, saved_mappings
from analytics.ingest.sniff import SniffResult, sniff_file

__all__ = ["sniff_file", "ingest_file", "drop_batch", "list_batches", "rejected_rows", "save_mapping",
           "load_mapping", "saved_mappings", "IngestError", "Mapping", "SniffResult", "IngestResult"]
