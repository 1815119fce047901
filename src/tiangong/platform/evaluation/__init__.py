"""The evaluation app: publication of stored runs (公示), the enterprise page, objections (异议),
the county analyst's intake → evaluation → publication flow, PDFs and the JSON API."""
