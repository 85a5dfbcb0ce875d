class PageNumberPagination: pass
def exception_handler(): pass
