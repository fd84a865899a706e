"""MetaTrader 4/5 through an expert advisor speaking the DWX ZeroMQ protocol."""
