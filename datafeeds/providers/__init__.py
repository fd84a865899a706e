"""Live price providers: Yahoo, Twelve Data, Finnhub, Alpha Vantage (one module each)."""
