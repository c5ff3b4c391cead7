"""Makes `import tosspayments_server_sdk` work for versions 1.0.3-1.0.6, whose `__init__` imports
three exception names that its own `exceptions.py` never defines (so the published package cannot
be imported at all). The shim loads `exceptions.py` as it is, adds the three names as plain
subclasses of its `APIError`, and then imports the package. No installed file is changed and no
behaviour of the SDK is: it only lets the import finish.
"""
import importlib.metadata
import importlib.util
import pathlib
import sys

MISSING = ("PaymentAlreadyCanceledError", "InsufficientAmountError", "PaymentCancelError")


def load():
    dist = importlib.metadata.distribution("tosspayments-python-server-sdk")
    path = pathlib.Path(dist.locate_file("tosspayments_server_sdk/exceptions.py"))
    spec = importlib.util.spec_from_file_location("tosspayments_server_sdk.exceptions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in MISSING:
        if not hasattr(module, name):
            setattr(module, name, type(name, (module.APIError,), {}))
    sys.modules["tosspayments_server_sdk.exceptions"] = module
    import tosspayments_server_sdk

    return tosspayments_server_sdk
