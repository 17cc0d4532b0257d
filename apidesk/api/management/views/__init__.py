"""Entity → wire JSON. One module per entity family; routes call these and nothing else
builds response bodies."""
