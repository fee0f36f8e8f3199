import "server-only";
import { z } from "zod";
import { text } from "~/graph";
import { createTRPCRouter, teamProcedure } from "~/server/api/trpc";
import { DEFAULT_MODEL_PRICES } from "~/server/runs/pricing";

const modelIdSchema = text().trim().min(1, "Name the model.").max(200);
const usdPerMillion = z.number().min(0).max(100_000);

/**
 * The price table that turns tokens into money: the built-in list prices, and the team's own rows,
 * which win over them (and price models the list does not know). Changing it needs admin.
 */
export const pricingRouter = createTRPCRouter({
  list: teamProcedure("view").query(async ({ ctx }) => {
    const team = await ctx.db.modelPrice.findMany({
      where: { teamId: ctx.team.id },
      orderBy: { model: "asc" },
      select: { model: true, inputUsdPerMillion: true, outputUsdPerMillion: true },
    });
    return { team, defaults: [...DEFAULT_MODEL_PRICES], role: ctx.membership.role };
  }),

  set: teamProcedure("manageTeam")
    .input(
      z.object({
        model: modelIdSchema,
        inputUsdPerMillion: usdPerMillion,
        outputUsdPerMillion: usdPerMillion,
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { model, inputUsdPerMillion, outputUsdPerMillion } = input;
      return ctx.db.modelPrice.upsert({
        where: { teamId_model: { teamId: ctx.team.id, model } },
        create: { teamId: ctx.team.id, model, inputUsdPerMillion, outputUsdPerMillion },
        update: { inputUsdPerMillion, outputUsdPerMillion },
        select: { model: true, inputUsdPerMillion: true, outputUsdPerMillion: true },
      });
    }),

  remove: teamProcedure("manageTeam")
    .input(z.object({ model: modelIdSchema }))
    .mutation(async ({ ctx, input }) => {
      await ctx.db.modelPrice.deleteMany({ where: { teamId: ctx.team.id, model: input.model } });
      return { model: input.model };
    }),
});
