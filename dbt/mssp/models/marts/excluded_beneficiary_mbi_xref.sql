-- BNEX MBI cross-reference, one row per MBI pair per file.
select * from {{ ref('stg_mssp__excluded_beneficiary_mbi_xref') }}
