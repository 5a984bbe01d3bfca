"""Load Turtle into a graph and query it with SPARQL."""

from __future__ import annotations

from rdflib import Graph, Namespace

FLEET = Namespace("https://fleet.example/ns#")

SAMPLE_TURTLE = """
@prefix fleet: <https://fleet.example/ns#> .
fleet:invoice-42 a fleet:Invoice ; fleet:issuedBy fleet:acme ; fleet:total 99.5 .
fleet:invoice-43 a fleet:Invoice ; fleet:issuedBy fleet:acme ; fleet:total 12.0 .
fleet:acme a fleet:Supplier ; fleet:name "ACME Ltd" .
"""


def load_turtle(text: str) -> Graph:
    graph = Graph()
    graph.bind("fleet", FLEET)
    graph.parse(data=text, format="turtle")
    return graph


def invoices_by_supplier(graph: Graph) -> dict[str, int]:
    rows = graph.query(
        """
        SELECT ?name (COUNT(?invoice) AS ?n) WHERE {
            ?invoice a fleet:Invoice ; fleet:issuedBy ?supplier .
            ?supplier fleet:name ?name .
        } GROUP BY ?name
        """,
        initNs={"fleet": FLEET},
    )
    return {str(row[0]): int(row[1]) for row in rows}  # type: ignore[index]
