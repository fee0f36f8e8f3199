-- AlterTable
ALTER TABLE "Team" ADD COLUMN     "maxConcurrentRuns" INTEGER,
ADD COLUMN     "maxRunsPerHour" INTEGER;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "tokenCap" INTEGER;

-- CreateIndex
CREATE INDEX "Run_teamId_status_idx" ON "Run"("teamId", "status");

