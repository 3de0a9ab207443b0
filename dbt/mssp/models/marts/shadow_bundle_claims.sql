-- shadow bundles, one row per claim per bundle file.
select * from {{ ref('stg_mssp__shadow_bundles') }}
