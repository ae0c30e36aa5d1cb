"""Live model discovery: listing dialects, fetching listings, merging them with the registry."""
