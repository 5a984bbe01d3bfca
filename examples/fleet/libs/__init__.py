"""Code shared by the fleet's services.

This file imports none of the subpackages on purpose: ``import libs.common`` must not
drag in ``libs.ml`` (and with it torch) for a service that only needs the web stack.
Every image still ships all of ``libs/``; what a service *runs* is what it imports.
"""
