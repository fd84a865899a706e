"""MetaTrader bridges: the MetaTrader5 package and the DWX ZeroMQ expert advisor."""
