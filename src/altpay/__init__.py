"""altpay: the Alternative Payments Customers API."""
