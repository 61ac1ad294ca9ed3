"""The web layer: the FastAPI application, its routers, the live stream and the console."""
