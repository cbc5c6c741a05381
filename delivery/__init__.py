"""Summary plus destinations in, one DeliveryResult per destination out."""
