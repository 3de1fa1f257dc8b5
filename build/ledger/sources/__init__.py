"""The raw sources: ICE's published lists as stored bytes (workbook reading, the raw store, fetch, sample)."""
