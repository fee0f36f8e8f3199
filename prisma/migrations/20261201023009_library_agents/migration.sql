-- CreateEnum
CREATE TYPE "LibraryItemKind" AS ENUM ('tool', 'agent');

-- AlterTable
ALTER TABLE "LibraryItem" ADD COLUMN     "kind" "LibraryItemKind" NOT NULL DEFAULT 'tool';

-- AlterTable
ALTER TABLE "LibraryItemVersion" ADD COLUMN     "agent" JSONB,
ADD COLUMN     "graph" JSONB,
ALTER COLUMN "tool" DROP NOT NULL;

