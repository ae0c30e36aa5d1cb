// The settings page's own script: sends the actions to the server and shows what it says.
// Every request carries the CSRF token from the page's <meta>; the server refuses any other.
"use strict";

const csrf = {
  header: document.querySelector('meta[name="csrf-header"]').content,
  token: document.querySelector('meta[name="csrf-token"]').content,
};

async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", [csrf.header]: csrf.token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response;
}

async function answer(response) {
  let value = {};
  try {
    value = await response.json();
  } catch {
    value = { error: `the server answered ${response.status}` };
  }
  if (!response.ok) throw new Error(value.error || `the server answered ${response.status}`);
  return value;
}

function say(element, text) {
  element.textContent = text;
}

// --- keys ---------------------------------------------------------------------------------

function showSaved(form, card) {
  for (const variable of card.variables) {
    const hint = document.getElementById(`var-${card.provider_id}-${variable.name}-hint`);
    if (hint) {
      say(hint, variable.value ? `In use: ${variable.value} (from the ${variable.source}).` : "Not set: requests are refused until it is.");
    }
  }
  const saved = document.getElementById(`key-saved-${card.provider_id}`);
  say(saved, card.masked_key ? `Saved: ${card.masked_key} (from the ${card.key_source})` : "No key set");
  const section = document.getElementById(`models-${card.provider_id}`);
  if (section) section.classList.toggle("no-key", !card.masked_key);
}

async function keyAction(form, action) {
  const provider = form.dataset.provider;
  const result = document.getElementById(`key-result-${provider}`);
  const url = `/api/keys/${encodeURIComponent(provider)}`;
  try {
    if (action === "save") {
      const input = form.elements.key;
      // A templated base URL's fields, saved when changed (blank: back to the default).
      const changed = [...form.querySelectorAll("input[data-variable]")].filter(
        (field) => field.value.trim() !== field.dataset.saved,
      );
      if (!input.value.trim() && changed.length === 0) {
        say(result, "Type or paste a key first.");
        input.focus();
        return;
      }
      say(result, "Saving…");
      let card = null;
      for (const field of changed) {
        const where = `/api/variables/${encodeURIComponent(provider)}/${encodeURIComponent(field.dataset.variable)}`;
        card = await answer(await call("PUT", where, { value: field.value }));
        field.dataset.saved = field.value.trim();
      }
      if (input.value.trim()) {
        card = await answer(await call("PUT", url, { key: input.value }));
        input.value = "";
      }
      showSaved(form, card);
      say(result, `Saved in ${card.key_store}.`);
    } else if (action === "remove") {
      const card = await answer(await call("DELETE", url));
      showSaved(form, card);
      say(result, card.masked_key ? `Removed; the ${card.key_source} still sets one.` : "Removed.");
    } else if (action === "test") {
      say(result, "Testing…");
      const outcome = await answer(await call("POST", `${url}/test`));
      say(result, outcome.message);
      updateStatus(outcome);
    }
  } catch (error) {
    say(result, `✗ ${error.message}`);
  }
}

for (const form of document.querySelectorAll("form.key-form")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    keyAction(form, "save");
  });
  form.addEventListener("click", (event) => {
    const action = event.target.closest("button[data-action]")?.dataset.action;
    if (action) keyAction(form, action);
  });
}

// --- models -------------------------------------------------------------------------------

const list = document.getElementById("model-list");
const search = document.getElementById("model-search");
const status = document.getElementById("refresh-status");

function filter() {
  const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
  for (const row of list.querySelectorAll("tr[data-search]")) {
    row.hidden = !words.every((word) => row.dataset.search.includes(word));
  }
}
search.addEventListener("input", filter);

list.addEventListener("change", async (event) => {
  const box = event.target;
  if (!box.matches('input[type="checkbox"][data-model]')) return;
  try {
    await answer(await call("PUT", "/api/models/visibility", { model_id: box.dataset.model, hidden: !box.checked }));
  } catch (error) {
    box.checked = !box.checked;
    say(status, `✗ ${error.message}`);
  }
});

function updateStatus(outcome) {
  const line = document.getElementById(`models-${outcome.provider_id}-status`);
  if (line) say(line, outcome.message);
}

async function reloadModels() {
  const response = await fetch("/fragments/models", { credentials: "same-origin" });
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  list.innerHTML = await response.text();
  filter();
}

// A refresh answers with one JSON line per provider as it finishes, then a summary line.
async function refresh(providers, button) {
  const progress = document.getElementById("refresh-progress");
  const bar = document.getElementById("refresh-bar");
  const log = document.getElementById("refresh-log");
  button.disabled = true;
  log.replaceChildren();
  bar.value = 0;
  bar.removeAttribute("max");
  progress.hidden = false;
  say(status, "Refreshing…");
  try {
    const response = await call("POST", "/api/refresh", { providers });
    if (!response.ok) await answer(response);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    let done = 0;
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffered += value;
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const event = JSON.parse(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        if (event.outcome) {
          done += 1;
          const item = document.createElement("li");
          item.textContent = `${event.outcome.provider_id}: ${event.outcome.message}`;
          log.append(item);
          bar.value = done;
          updateStatus(event.outcome);
          say(status, `Refreshing… ${done} done`);
        } else if (event.summary) {
          bar.max = Math.max(done, 1);
          bar.value = done;
          await reloadModels();
          say(status, event.summary.message);
        } else if (event.error) {
          throw new Error(event.error);
        }
      }
    }
  } catch (error) {
    say(status, `✗ Refresh failed: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

document.getElementById("refresh-all").addEventListener("click", (event) => refresh(null, event.currentTarget));
list.addEventListener("click", (event) => {
  const button = event.target.closest('button[data-action="refresh"]');
  if (button) refresh([button.dataset.provider], button);
});
