-- Grain: one row per final-action CCLF6 line (cclf_semantics §3, §6).
{{ partb_latest_version('stg_cclf__partb_dme') }}
