// The call-taker and dispatcher console: new call, queue, unit board, map, the selected
// incident with its recommendation, alarms. Keyboard first: see the help overlay (?).

import { get } from './api.js';
import { Alarms } from './alarms.js';
import { UnitBoard } from './board.js';
import { Detail } from './detail.js';
import { Live } from './live.js';
import { ConsoleMap } from './map.js';
import { NewCall } from './newcall.js';
import { setConnection, startCommon } from './page.js';
import { Queue } from './queue.js';
import { Store } from './store.js';
import { $, isEditable, toast } from './util.js';

async function main() {
  const { me } = await startCommon();
  const plan = await get('/api/response-plan');
  const store = new Store();
  let selected = null;

  const map = new ConsoleMap($('#map'), { store, onSelectIncident: (id) => select(id) });
  const detail = new Detail($('#detail'), { store, me, plan });
  const queue = new Queue($('#queue'), {
    store, plan, empty: $('#queue-empty'), count: $('#queue-count'), onSelect: (id) => select(id),
  });
  const board = new UnitBoard($('#units'), {
    store, me, menu: $('#status-menu'), onSelectIncident: (id) => select(id),
  });
  const alarms = new Alarms({
    container: $('#alarms'), map, soundButton: $('#sound'), onOpenIncident: (id) => select(id),
    canHandle: me.permissions.includes('alarms'),
  });

  function select(id) {
    selected = id;
    queue.select(id);
    detail.show(id);
    map.select(id);
    map.focusIncident(id);
  }

  // A call being created: D pressed before the server answered waits for it.
  let creating = Promise.resolve();
  const newcall = new NewCall($('#newcall'), {
    plan,
    onCreated: async (incident) => {
      // The creation event normally arrives within milliseconds; without a live stream the
      // REST answer stands in until it does.
      if (!(await store.waitForIncident(incident.id, 2000))) store.putIncident(incident);
      select(incident.id);
    },
  });
  const create = newcall.create.bind(newcall);
  newcall.create = () => {
    // Leave the form at once, so a D typed right after Ctrl+Enter is a command, not text.
    $('#detail').focus();
    creating = create();
    return creating;
  };

  store.addEventListener('change', (e) => {
    const { kind, event } = e.detail;
    if (kind === 'positions') {
      board.render();
      map.update();
      return;
    }
    queue.render();
    board.render();
    map.update();
    if (kind === 'load') {
      const first = store.queue()[0];
      if (first && !selected) select(first.id);
    }
    detail.changed(event || null);
  });

  const live = new Live(store, {
    onEvent: (ev, opts) => alarms.handle(ev, opts),
    onStatus: setConnection,
  });
  const mapReady = map.start()
    .then((config) => {
      if (config) board.staleAfterS = config.stale_after_s; // the server's AVL staleness
    })
    .catch((err) => toast(`Map: ${err.message}`, 'error'));
  await Promise.all([live.start(), mapReady]);
  map.update();
  alarms.refresh(); // alarms raised before this page opened
  // Browser tests reach the page's state (only when their harness flag is set).
  if (globalThis.__EMSCAD_TEST_HOOKS__ === true) globalThis.__EMSCAD_CONSOLE__ = { store, live, detail, alarms, map };

  // -- keyboard ------------------------------------------------------------------------------
  const help = $('#help');
  const toggleHelp = (open = help.hidden) => {
    help.hidden = !open;
    if (open) $('#help-close').focus();
  };
  $('#help-open').addEventListener('click', () => toggleHelp(true));
  $('#help-close').addEventListener('click', () => toggleHelp(false));

  document.addEventListener('keydown', async (e) => {
    if (e.key === 'F2') {
      e.preventDefault();
      newcall.focus();
      return;
    }
    if (e.key === 'Escape') {
      if (!help.hidden) {
        toggleHelp(false);
      } else if (isEditable(e.target)) {
        e.target.blur();
        $('#detail').focus();
      }
      return;
    }
    if (isEditable(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (!help.hidden && e.key !== '?') return;
    // A held key repeats: never let a repeat dispatch a second unit.
    if (e.repeat) return;
    switch (e.key) {
      case '?': toggleHelp(); break;
      case 'n': case 'N': e.preventDefault(); newcall.focus(); break;
      case 'j': case 'J': queue.move(1, document.activeElement?.classList.contains('inc-row')); break;
      case 'k': case 'K': queue.move(-1, document.activeElement?.classList.contains('inc-row')); break;
      case 'd': case 'D':
        e.preventDefault();
        await creating;
        detail.dispatchTop();
        break;
      case 'h': case 'H': detail.setSuggestedHospital(); break;
      case 't': case 'T': e.preventDefault(); detail.focusNote(); break;
      case 'c': case 'C': e.preventDefault(); detail.focusClose(); break;
      case 'u': case 'U': board.focus(); break;
      case 'm': case 'M': $('#map').focus(); break;
      case 'a': case 'A': if (!alarms.focusFirst()) toast('No alarm to acknowledge.'); break;
      default: break;
    }
  });
}

main().catch((err) => {
  if (err && err.status === 401) return; // on the way to the sign-in page
  if (err && err.message === 'not a console role') return;
  console.error(err);
  toast(`The console could not start: ${err.message}`, 'error', 60000);
});
