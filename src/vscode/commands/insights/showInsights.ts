import { InsightsPanel } from '../../insights/insightsPanel';
import type { CommandContext } from '../context';

/** One Insights view per window, made on first use. */
let insights: InsightsPanel | undefined;

/** `odoobo.showInsights`: the deployment history's success metrics as charts (answers the view, for tests). */
export function showInsights(ctx: CommandContext): InsightsPanel {
  if (!insights) {
    const view = new InsightsPanel(ctx.extension.extensionUri, () => ctx.stores()[0]?.folder.uri.fsPath, ctx.log);
    ctx.extension.subscriptions.push(view);
    insights = view;
  }
  insights.show();
  return insights;
}
