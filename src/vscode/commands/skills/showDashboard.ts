import type { CommandContext } from '../context';

/** `odoobo.showDashboard`: the deployment dashboard's panel, opened or revealed. */
export function showDashboard(ctx: CommandContext): void {
  void ctx.dashboard.show();
}
