"""Ticket printers: the TicketPrinter interface, a fake, and python-escpos adapters."""
