-- Providers and Suppliers List, one row per TIN x NPI per list file.
select * from {{ ref('stg_mssp__providers_and_suppliers') }}
