"""Live model discovery: listing dialects, fetching listings, merging them with the registry,
one provider's discovery with its cache (service) and many providers refreshed at once
(refresh)."""
