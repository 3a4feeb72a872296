-- rp_clean (interactions): one row per record no row-level check rejected, in the contract's columns, with
-- its key computed once: interaction_id is the source id, else 'row-' + the hash of the row's values, and
-- _hashed says which. Slots: final_columns, row_hash.
create temp table rp_clean as
with final as (
    select _line, {final_columns}
    from rp_parsed
    where _line not in (select line from rp_rejects where scope = 'row' and line is not null)
)

select * replace (coalesce(interaction_id, {row_hash}) as interaction_id),
       interaction_id is null as _hashed
from final
