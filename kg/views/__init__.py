"""The views: one module per page family over one shared selection layer.

- :mod:`kg.views.select`: the SPARQL selections every page is drawn from (run once);
- :mod:`kg.views.matrix`: the partnership x theme matrix page, and the static matrices of
  the report (partnership x theme, agency x partnership);
- :mod:`kg.views.network`: the pyvis/vis-network pages (overview, themes, agencies,
  inspectorates, people);
- :mod:`kg.views.report`: the report page (matrix first, grades, timeline, tile map);
- :mod:`kg.views.style`: colours and their contrast arithmetic;
- :mod:`kg.views.page`: JSON for ``<script>`` and template filling.

Templates and the vendored data (the council-area tile grid) live in ``templates/`` and
``data/`` beside the modules. ``kg.viz`` and ``kg.report`` re-export the public names.
"""
