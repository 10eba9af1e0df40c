"""The public storefront: home, cluster, village, seller and product pages, search, SEO and sitemap data.

The top of the catalogue side: it may import catalogue, seller, labels, curation, markets and media;
nothing below imports it (the API and the site blueprint sit above it).
"""
