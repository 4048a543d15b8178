"""inspection-kg: a knowledge graph of Scotland's children's-services inspections.

Stages, one direction: sources -> extract -> emit -> store; query, analysis, viz and link
take a graph or a store; only ``kg.cli`` imports everything.
"""

__version__ = "0.1.0"
EXTRACTOR_VERSION = "0.6.0"  # 0.6: issue 15 phrasing families: members, officials, verdicts, themes
