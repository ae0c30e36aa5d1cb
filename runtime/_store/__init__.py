"""The SQLite model store: its layout, connections and the queries the runtime makes."""
