-- Participants List, one row per TIN per list file.
select * from {{ ref('stg_mssp__participants') }}
