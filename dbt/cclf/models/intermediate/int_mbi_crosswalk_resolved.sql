-- One row per previous id: its current MBI after chains and cycle breaking (cclf_semantics §2).
{{ mssp_common.mbi_crosswalk(ref('stg_cclf__beneficiary_xref')) }}
