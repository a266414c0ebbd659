import { parseRoute, routeHref } from './routes.js';
import type { Route } from './routes.js';

export { parseRoute, routeHref };
export type { Route };

/** A question the current page asks before the user leaves it (unsaved entries), or null to leave freely. */
export type LeaveGuard = () => string | null;

/** The current route, kept in step with the address bar's hash. */
export class Router {
  route = $state.raw<Route>({ page: 'home' });
  private guard: LeaveGuard | null = null;
  private lastHash = '';

  constructor(private readonly window: Window) {
    this.lastHash = window.location.hash;
    this.route = parseRoute(this.lastHash);
  }

  /** Follows hash changes (links, back and forward); returns the function that stops following. */
  listen(): () => void {
    const onHashChange = (): void => {
      const hash = this.window.location.hash;
      if (hash === this.lastHash) return;
      const question = this.guard?.() ?? null;
      if (question !== null && !this.window.confirm(question)) {
        // Put the address back without another history entry, so the page stays as it was.
        this.window.history.replaceState(null, '', this.lastHash === '' ? '#/' : this.lastHash);
        return;
      }
      this.guard = null;
      this.lastHash = hash;
      this.route = parseRoute(hash);
      this.window.scrollTo(0, 0);
    };
    this.window.addEventListener('hashchange', onHashChange);
    return () => this.window.removeEventListener('hashchange', onHashChange);
  }

  /** Opens a route, as a link would. */
  go(route: Route): void {
    this.window.location.hash = routeHref(route);
  }

  /** Opens a route without asking the leave question (after the page saved or started what it held). */
  replaceWithoutAsking(route: Route): void {
    this.guard = null;
    this.window.location.hash = routeHref(route);
  }

  /** Sets the question to ask before leaving the current page; returns the function that clears it. */
  guardLeaving(guard: LeaveGuard): () => void {
    this.guard = guard;
    return () => {
      if (this.guard === guard) this.guard = null;
    };
  }
}
