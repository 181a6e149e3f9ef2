"""HTTP shell over the assistant: a FastAPI app factory, pydantic models, routes and the static page.

    from api.app import create_app
    app = create_app(settings)            # loads the assistant once, in the lifespan

Nothing heavy happens at import time.
"""
