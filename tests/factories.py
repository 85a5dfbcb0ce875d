"""factory_boy factories for the catalog and shoppers."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

import factory
from django.contrib.auth import get_user_model

from catalog import services
from catalog.models import Brand, Category, Product
from profiles.models import Event, Shopper


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("tree_key",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: o.tree_key.strip("/").replace("/", "-"))
    path = factory.LazyAttribute(lambda o: o.name)
    tree_key = factory.LazyAttribute(lambda o: f"/{o.name.lower().replace(' ', '-')}/")
    depth = 0


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class ProductFactory(factory.django.DjangoModelFactory):
    """Products saved through the catalog service, so search terms and content hash are real."""

    class Meta:
        model = Product
        django_get_or_create = ("sku",)
        skip_postgeneration_save = True

    sku = factory.Sequence(lambda n: f"SKU-{n:06d}")
    title = factory.Sequence(lambda n: f"Product {n}")
    description = "A product."
    category = factory.SubFactory(CategoryFactory)
    brand = factory.SubFactory(BrandFactory)
    price = Decimal("19.99")
    attributes = factory.LazyFunction(dict)
    rating = Decimal("4.2")
    review_count = 10
    stock = 5

    @factory.post_generation
    def derived(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            services.product_refresh_derived(product=obj)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("pw-for-tests-123")


class ShopperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shopper

    user = factory.SubFactory(UserFactory)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    shopper = factory.SubFactory(ShopperFactory)
    kind = Event.Kind.VIEW
    product = factory.SubFactory(ProductFactory)
    created_at = factory.Faker("date_time_this_month", tzinfo=__import__("datetime").timezone.utc)


C = TypeVar("C")


def visitor(client: C) -> C:
    """A test client that has loaded a page of the shop, so it carries the signed visitor cookie that a real
    browser gets on its first page (anonymous behaviour events need it)."""
    response = client.get("/api/v1/categories")
    assert response.status_code == 200, response.content
    return client


def established_shopper() -> Shopper:
    """A signed-in account's shopper: what "Popular searches" counts (recommend/search/suggest.py)."""
    return Shopper.objects.create(user=UserFactory())
