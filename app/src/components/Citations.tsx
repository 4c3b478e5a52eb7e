import { Anchor, List, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { CitedSegment } from "../citations.js";

/** An answer with its `[n]` marks; the marks are links to the numbered sources below it. */
export function CitedText({
  segments,
  testId,
  idPrefix,
  done,
}: {
  segments: CitedSegment[];
  testId: string;
  idPrefix: string;
  /** For a streamed answer: whether it is complete. */
  done?: boolean;
}) {
  return (
    <Text mt="sm" data-testid={testId} data-done={done} style={{ overflowWrap: "anywhere" }}>
      {segments.map((s, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: segments are positional and never reordered
        <span key={i}>
          {s.text}
          {s.marks.length > 0 && (
            <sup data-testid="cite" data-marks={s.marks.join(",")}>
              {s.marks.map((n) => (
                <Anchor key={n} href={`#${idPrefix}-${n}`} size="xs" aria-label={`source ${n}`}>
                  [{n}]
                </Anchor>
              ))}
            </sup>
          )}
        </span>
      ))}
    </Text>
  );
}

/** The numbered sources an answer's marks point to. */
export function SourceList({
  title,
  sources,
  idPrefix,
  testId,
}: {
  title: string;
  sources: { n: number; contributionId: string; datanetId?: string | null; detail: ReactNode }[];
  idPrefix: string;
  testId: string;
}) {
  if (sources.length === 0) return null;
  return (
    <div data-testid={testId}>
      <Text size="xs" c="dimmed" mt="xs">
        {title}
      </Text>
      <List size="sm" listStyleType="none" spacing={2}>
        {sources.map((s) => (
          <List.Item
            key={s.n}
            id={`${idPrefix}-${s.n}`}
            data-testid={`${idPrefix}-${s.n}`}
            data-contribution={s.contributionId}
          >
            [{s.n}]{" "}
            {s.datanetId ? (
              <Anchor component={Link} to={`/datanets/${s.datanetId}`} size="sm">
                Contribution #{s.contributionId}
              </Anchor>
            ) : (
              `Contribution #${s.contributionId}`
            )}{" "}
            <Text span size="xs" c="dimmed">
              {s.detail}
            </Text>
          </List.Item>
        ))}
      </List>
    </div>
  );
}
