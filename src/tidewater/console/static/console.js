// Live group pages: the server pushes the group's state (server-sent events) whenever it
// changes; the page swaps it in, keeping what the person had selected and where focus was.
(function () {
  const live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  const events = new EventSource(live.dataset.events);
  events.addEventListener("state", function (event) {
    const picked = new Set(Array.from(live.querySelectorAll('input[name="instance"]:checked')).map((box) => box.value));
    const decrement = live.querySelector('input[name="decrement"]');
    const keep = decrement ? decrement.checked : null;
    const policy = live.querySelector('select[name="policy"]');
    const chosen = policy ? policy.value : null;
    const focused = document.activeElement && live.contains(document.activeElement) ? document.activeElement.id || document.activeElement.value : null;
    live.innerHTML = JSON.parse(event.data).html;
    live.querySelectorAll('input[name="instance"]').forEach((box) => { box.checked = picked.has(box.value); });
    if (keep !== null && live.querySelector('input[name="decrement"]')) live.querySelector('input[name="decrement"]').checked = keep;
    if (chosen !== null && live.querySelector('select[name="policy"]')) live.querySelector('select[name="policy"]').value = chosen;
    if (focused) {
      const again = document.getElementById(focused) || live.querySelector('button[value="' + focused + '"]');
      if (again) again.focus();
    }
  });
})();
