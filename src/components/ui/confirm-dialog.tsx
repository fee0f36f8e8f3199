"use client";

import { type ReactNode, useCallback, useRef, useState } from "react";
import { Button } from "./button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "./dialog";

/** What a destructive action asks before it happens. */
export type ConfirmQuestion = {
  title: string;
  description: ReactNode;
  /** The button that goes ahead, named after the action ("Replace the canvas"). */
  confirmLabel: string;
  /** Red for actions that cannot be taken back; plain for those the canvas can undo. */
  destructive?: boolean;
};

/**
 * Ask before a destructive action: `const [confirm, dialog] = useConfirm()`, render `dialog`, then
 * `if (await confirm({ ... })) act()`. Escape, the close button and "Cancel" answer no.
 */
export function useConfirm(): [(question: ConfirmQuestion) => Promise<boolean>, ReactNode] {
  const [question, setQuestion] = useState<ConfirmQuestion | null>(null);
  const answer = useRef<((yes: boolean) => void) | null>(null);

  const settle = useCallback((yes: boolean) => {
    answer.current?.(yes);
    answer.current = null;
    setQuestion(null);
  }, []);

  const confirm = useCallback((next: ConfirmQuestion) => {
    answer.current?.(false);
    setQuestion(next);
    return new Promise<boolean>((resolve) => {
      answer.current = resolve;
    });
  }, []);

  const dialog = (
    <Dialog open={question !== null} onOpenChange={(open) => !open && settle(false)}>
      <DialogContent data-testid="confirm-dialog">
        <DialogHeader>
          <DialogTitle>{question?.title}</DialogTitle>
          <DialogDescription>{question?.description}</DialogDescription>
        </DialogHeader>
        <DialogFooter>
          <Button variant="secondary" onClick={() => settle(false)}>
            Cancel
          </Button>
          <Button
            variant={question?.destructive ? "destructive" : "primary"}
            onClick={() => settle(true)}
            autoFocus
          >
            {question?.confirmLabel}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
  return [confirm, dialog];
}
