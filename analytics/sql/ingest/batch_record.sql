-- batch_record: inserts the one row of `batches` that describes this load (values bound by position).
insert into batches (
    batch_id, file_name, source_name, sha256, kind, encoding, delimiter, date_formats, mapping, rows_read,
    rows_loaded, rows_rejected, rows_duplicate, values_rejected, rows_collapsed, status, message, rows_updated
)
values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
