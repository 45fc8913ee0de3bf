"""The link to the office's queue of absences parents reported, with how many are waiting."""

from django import template

from absences.selectors.parents import pending_reports_count
from registers.models import School

register = template.Library()


@register.inclusion_tag("absences/office/_pending_reports_link.html")
def pending_reports_link(school: School) -> dict:
    return {"school": school, "waiting": pending_reports_count(school=school)}
