-- CreateEnum
CREATE TYPE "EvalRunStatus" AS ENUM ('queued', 'running', 'finished', 'cancelled', 'failed');

-- CreateEnum
CREATE TYPE "EvalCaseStatus" AS ENUM ('pending', 'running', 'scoring', 'done', 'not_run');

-- AlterEnum
ALTER TYPE "RunSource" ADD VALUE 'eval';

-- AlterTable
ALTER TABLE "Team" ADD COLUMN     "publishGateMinPassRate" DOUBLE PRECISION NOT NULL DEFAULT 1,
ADD COLUMN     "publishGateTestSetId" TEXT;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "evalRunId" TEXT,
ADD COLUMN     "replay" JSONB;

-- CreateTable
CREATE TABLE "TestSet" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TestSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TestCase" (
    "id" TEXT NOT NULL,
    "testSetId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "task" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "sourceRunId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TestCase_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalRun" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "testSetId" TEXT,
    "testSetName" TEXT NOT NULL,
    "workflowId" TEXT,
    "workflowVersionId" TEXT,
    "versionNumber" INTEGER,
    "status" "EvalRunStatus" NOT NULL DEFAULT 'running',
    "concurrency" INTEGER NOT NULL DEFAULT 4,
    "maxCostUsd" DOUBLE PRECISION,
    "spentUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "stoppedByCostCap" BOOLEAN NOT NULL DEFAULT false,
    "summary" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "cancelRequestedAt" TIMESTAMP(3),

    CONSTRAINT "EvalRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalCase" (
    "id" TEXT NOT NULL,
    "evalRunId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "data" JSONB NOT NULL,
    "status" "EvalCaseStatus" NOT NULL DEFAULT 'pending',
    "runId" TEXT,
    "passed" BOOLEAN,
    "result" JSONB,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "EvalCase_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TestSet_teamId_updatedAt_idx" ON "TestSet"("teamId", "updatedAt");

-- CreateIndex
CREATE INDEX "TestCase_testSetId_position_idx" ON "TestCase"("testSetId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "TestCase_testSetId_key_key" ON "TestCase"("testSetId", "key");

-- CreateIndex
CREATE INDEX "EvalRun_teamId_createdAt_idx" ON "EvalRun"("teamId", "createdAt");

-- CreateIndex
CREATE INDEX "EvalRun_testSetId_createdAt_idx" ON "EvalRun"("testSetId", "createdAt");

-- CreateIndex
CREATE INDEX "EvalRun_workflowVersionId_status_idx" ON "EvalRun"("workflowVersionId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "EvalCase_runId_key" ON "EvalCase"("runId");

-- CreateIndex
CREATE INDEX "EvalCase_evalRunId_status_position_idx" ON "EvalCase"("evalRunId", "status", "position");

-- CreateIndex
CREATE UNIQUE INDEX "EvalCase_evalRunId_key_key" ON "EvalCase"("evalRunId", "key");

-- CreateIndex
CREATE INDEX "Run_evalRunId_idx" ON "Run"("evalRunId");

-- AddForeignKey
ALTER TABLE "Team" ADD CONSTRAINT "Team_publishGateTestSetId_fkey" FOREIGN KEY ("publishGateTestSetId") REFERENCES "TestSet"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_evalRunId_fkey" FOREIGN KEY ("evalRunId") REFERENCES "EvalRun"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestSet" ADD CONSTRAINT "TestSet_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestSet" ADD CONSTRAINT "TestSet_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestCase" ADD CONSTRAINT "TestCase_testSetId_fkey" FOREIGN KEY ("testSetId") REFERENCES "TestSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_testSetId_fkey" FOREIGN KEY ("testSetId") REFERENCES "TestSet"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "Workflow"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_workflowVersionId_fkey" FOREIGN KEY ("workflowVersionId") REFERENCES "WorkflowVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalCase" ADD CONSTRAINT "EvalCase_evalRunId_fkey" FOREIGN KEY ("evalRunId") REFERENCES "EvalRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalCase" ADD CONSTRAINT "EvalCase_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

