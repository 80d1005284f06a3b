"""Measuring a page's layout in the browser tests."""


def page_width(page):
    """The page's laid-out width (``documentElement.scrollWidth``), once its
    stylesheets have loaded. Measured as soon as an element shows after a
    click, it can be the unstyled page's: a link's navigation does not wait
    for the stylesheet, which the tests' request routing may still be
    fetching (the events page's month grid at 375 px read 453)."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")
