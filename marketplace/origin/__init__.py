"""Origin tags: printable hang-tags whose QR code opens a public page proving where a product comes from.

A seller prints a sheet of bilingual tags for a live product (`/seller/products/<id>/tags`); the
first print gives the product a random, unguessable code. Anyone scanning the tag lands on
`/t/<code>`: the maker, the desa, the labels as they stand today, and whether the product is still
on sale. A curator may revoke a product's tag with a reason (audited); the page then says the tag
no longer vouches for the product.
"""
