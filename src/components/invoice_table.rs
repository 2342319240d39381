//! The billing history: a table of invoices, newest first, with links to
//! Stripe's PDF and hosted page, and "Pay" for open invoices.

use leptos::prelude::*;

use crate::components::format;
use crate::i18n::*;
use crate::model::{Invoice, InvoicePage, InvoiceScope, InvoiceStatus};
use crate::paths::PagePath;

/// Address of a history page: `scope`, and a cursor (`after`/`before`).
pub fn history_href(scope: &InvoiceScope, cursor: Option<(&str, &str)>) -> String {
    let mut query: Vec<(&str, String)> = Vec::new();
    if let InvoiceScope::Subscription(id) = scope {
        query.push(("subscription", id.clone()));
    }
    if let Some((name, value)) = cursor {
        query.push((name, value.to_string()));
    }
    let query: Vec<String> = query
        .into_iter()
        .map(|(k, v)| format!("{k}={}", crate::paths::query_value(&v)))
        .collect();
    let path = PagePath::Invoices.href();
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// A page of invoices; `paged` adds the newer/older links.
#[component]
pub fn InvoiceTable(page: InvoicePage, #[prop(optional)] paged: bool) -> impl IntoView {
    let i18n = use_i18n();
    if page.invoices.is_empty() {
        return view! { <p class="empty-invoices">{t!(i18n, invoices.empty)}</p> }.into_any();
    }
    let rows = page
        .invoices
        .iter()
        .cloned()
        .map(|invoice| view! { <InvoiceRow invoice /> })
        .collect_view();
    let pager = paged.then(|| {
        let newer = page
            .newer
            .as_deref()
            .map(|id| history_href(&page.scope, Some(("before", id))));
        let older = page
            .older
            .as_deref()
            .map(|id| history_href(&page.scope, Some(("after", id))));
        view! {
            <nav class="pager" aria-label=move || t_string!(i18n, invoices.pages)>
                {newer.map(|href| view! { <a href=href rel="prev">{t!(i18n, invoices.newer)}</a> })}
                {older.map(|href| view! { <a href=href rel="next">{t!(i18n, invoices.older)}</a> })}
            </nav>
        }
    });
    view! {
        <div class="table-scroll">
            <table class="invoices">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, invoices.number)}</th>
                        <th scope="col">{t!(i18n, invoices.date)}</th>
                        <th scope="col" class="num">{t!(i18n, invoices.amount)}</th>
                        <th scope="col">{t!(i18n, invoices.status)}</th>
                        <th scope="col">
                            <span class="visually-hidden">{t!(i18n, invoices.links)}</span>
                        </th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {pager}
    }
    .into_any()
}

#[component]
fn InvoiceRow(invoice: Invoice) -> impl IntoView {
    let i18n = use_i18n();
    let number = invoice.number.clone().unwrap_or_else(|| invoice.id.clone());
    let label = number.clone();
    let created = invoice.created;
    let total = invoice.total.clone();
    let status = invoice.status;
    let payable = invoice.payable();
    let pdf = invoice.pdf_url.clone().map(|href| {
        let label = label.clone();
        view! {
            <a href=href aria-label=move || t_string!(i18n, invoices.pdf_for, number = label.clone()).to_string()>
                {t!(i18n, invoices.pdf)}
            </a>
        }
    });
    let hosted = invoice.hosted_url.clone().map(|href| {
        let label = label.clone();
        if payable {
            view! {
                <a class="button button-primary button-small" href=href
                    aria-label=move || t_string!(i18n, invoices.pay_for, number = label.clone()).to_string()>
                    {t!(i18n, invoices.pay)}
                </a>
            }
            .into_any()
        } else {
            view! {
                <a href=href aria-label=move || t_string!(i18n, invoices.view_for, number = label.clone()).to_string()>
                    {t!(i18n, invoices.view)}
                </a>
            }
            .into_any()
        }
    });
    view! {
        <tr data-invoice-id=invoice.id.clone() data-status=format!("{status:?}")>
            <td>{number}</td>
            <td>{move || format::date(i18n.get_locale(), created)}</td>
            <td class="num">{move || format::money(i18n.get_locale(), &total)}</td>
            <td>
                <span class=format!("badge {}", status_class(status))>
                    {move || invoice_status(i18n.get_locale(), status)}
                </span>
            </td>
            <td class="links">{pdf} {hosted}</td>
        </tr>
    }
}

fn status_class(status: InvoiceStatus) -> &'static str {
    match status {
        InvoiceStatus::Open => "badge-warn",
        InvoiceStatus::Paid => "badge-ok",
        InvoiceStatus::Void => "badge-muted",
        InvoiceStatus::Uncollectible => "badge-danger",
    }
}

fn invoice_status(locale: Locale, status: InvoiceStatus) -> &'static str {
    match status {
        InvoiceStatus::Open => td_string!(locale, invoices.status_open),
        InvoiceStatus::Paid => td_string!(locale, invoices.status_paid),
        InvoiceStatus::Void => td_string!(locale, invoices.status_void),
        InvoiceStatus::Uncollectible => td_string!(locale, invoices.status_uncollectible),
    }
}
