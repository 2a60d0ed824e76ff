"""The activities of the Python scenarios, named as in the Go suite."""

from temporalio import activity


@activity.defn(name="Greet")
async def greet(name: str) -> str:
    return f"Hello, {name}!"


ALL_ACTIVITIES = [greet]
