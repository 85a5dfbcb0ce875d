"""The merchandiser's side of experiments: live settings, variants, the report, start / end / promote.

Start, end and "end and promote" are buttons on the experiment's page; each opens a confirmation page
that POSTs (with CSRF) to the service, so a stray link never changes what shoppers see.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from recommend.experiments import services
from recommend.experiments.knobs import Knobs
from recommend.experiments.report import experiment_report
from recommend.models import Experiment, RankingSettings, Variant

KNOB_FIELDS = list(services.KNOB_FIELDS)


@admin.register(RankingSettings)
class RankingSettingsAdmin(admin.ModelAdmin):
    """One row: opening the list opens the settings themselves. Frozen while an experiment runs."""

    fields = [*KNOB_FIELDS, "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        running = Experiment.objects.filter(status=Experiment.Status.RUNNING).exists()
        return not running and super().has_change_permission(request, obj)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        RankingSettings.objects.get_or_create(pk=1)  # the defaults (today's behaviour) until someone saves
        return HttpResponseRedirect(reverse("admin:recommend_rankingsettings_change", args=[1]))

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        if Experiment.objects.filter(status=Experiment.Status.RUNNING).exists() and request.method == "GET":
            messages.info(request, "An experiment is running: end it (or promote a variant) to change these.")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: RankingSettings, form: Any, change: bool) -> None:
        try:
            services.ranking_settings_update(knobs=Knobs.of(obj))
        except services.ExperimentError as error:
            messages.error(request, str(error))


class VariantFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        controls = [
            form
            for form in self.forms
            if form.cleaned_data.get("is_control") and not form.cleaned_data.get("DELETE", False)
        ]
        if len(controls) > 1:
            raise ValidationError("One variant is the control (the live settings); tick only one.")


class VariantInline(admin.TabularInline):
    model = Variant
    formset = VariantFormSet
    fields = ["name", "is_control", "weight", *KNOB_FIELDS]
    extra = 0
    min_num = 2

    def _frozen(self, obj: Experiment | None) -> bool:
        return obj is not None and obj.status != Experiment.Status.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Experiment | None = None) -> bool:
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Experiment | None = None) -> bool:
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Experiment | None = None) -> bool:
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "started_at", "ended_at", "promoted_variant"]
    list_filter = ["status"]
    search_fields = ["name", "description"]
    fields = ["name", "description", "status", "started_at", "ended_at", "promoted_variant"]
    readonly_fields = ["status", "started_at", "ended_at", "promoted_variant"]
    inlines = [VariantInline]
    change_form_template = "admin/recommend/experiment/change_form.html"

    def has_delete_permission(self, request: HttpRequest, obj: Experiment | None = None) -> bool:
        # A running experiment ends (it has shoppers in it); an ended one stays as the record of what was learned.
        return (obj is None or obj.status == Experiment.Status.DRAFT) and super().has_delete_permission(request, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/start/", view(self.start_view), name="recommend_experiment_start"),
            path("<int:pk>/end/", view(self.end_view), name="recommend_experiment_end"),
            path("<int:pk>/promote/<int:variant_pk>/", view(self.promote_view), name="recommend_experiment_promote"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        experiment = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if experiment is not None:
            extra["report"] = experiment_report(experiment=experiment)
            extra["can_act"] = self.has_change_permission(request, experiment)
        return super().change_view(request, object_id, form_url, extra)

    # --- start / end / promote: GET asks, POST does ------------------------------------------

    def _experiment(self, request: HttpRequest, pk: int) -> Experiment:
        experiment = get_object_or_404(Experiment, pk=pk)
        if not self.has_change_permission(request, experiment):
            raise PermissionDenied
        return experiment

    def _confirm(self, request: HttpRequest, experiment: Experiment, *, title: str, question: str) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": experiment,
            "title": title,
            "question": question,
        }
        return TemplateResponse(request, "admin/recommend/experiment/confirm.html", context)

    def _do(self, request: HttpRequest, experiment: Experiment, action, done: str) -> HttpResponse:
        try:
            action()
        except services.ExperimentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(reverse("admin:recommend_experiment_change", args=[experiment.pk]))

    def start_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        experiment = self._experiment(request, pk)
        if request.method != "POST":
            return self._confirm(
                request,
                experiment,
                title=f"Start “{experiment.name}”?",
                question="Shoppers are split between its variants from the next request; the control gets the "
                "live settings.",
            )
        return self._do(
            request, experiment, lambda: services.experiment_start(experiment=experiment), "The experiment is running."
        )

    def end_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        experiment = self._experiment(request, pk)
        if request.method != "POST":
            return self._confirm(
                request,
                experiment,
                title=f"End “{experiment.name}”?",
                question="Every shopper goes back to the live settings, which stay as they are.",
            )
        return self._do(
            request, experiment, lambda: services.experiment_end(experiment=experiment), "The experiment has ended."
        )

    def promote_view(self, request: HttpRequest, pk: int, variant_pk: int) -> HttpResponse:
        experiment = self._experiment(request, pk)
        variant = get_object_or_404(Variant, pk=variant_pk, experiment=experiment)
        if request.method != "POST":
            return self._confirm(
                request,
                experiment,
                title=f"End “{experiment.name}” and promote “{variant.name}”?",
                question=f"The knobs of “{variant.name}” become the live settings for every shopper.",
            )
        return self._do(
            request,
            experiment,
            lambda: services.experiment_end(experiment=experiment, promote=variant),
            f"The experiment has ended; “{variant.name}” is now the live ranking.",
        )
