"""The downloads stage: every published table in four formats, ICE's workbooks and the data package."""
