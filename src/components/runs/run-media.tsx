/** The images (thumbnails, opening full size) and audio (players) given with the run's task. */
export function RunMedia({ images, audio }: { images: string[]; audio: string[] }) {
  if (images.length === 0 && audio.length === 0) return null;
  return (
    <ul
      className="mt-2 flex flex-wrap items-center gap-2"
      aria-label="Files given with the task"
      data-testid="run-media"
    >
      {images.map((image, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the same image may be given twice
        <li key={`image-${index}`}>
          <a href={image} target="_blank" rel="noreferrer noopener" title={`Image ${index + 1}`}>
            {/* biome-ignore lint/performance/noImgElement: data URIs and arbitrary hosts */}
            <img
              src={image}
              alt={`File ${index + 1} given with the task`}
              data-testid="run-media-image"
              className="size-20 rounded-md border border-border object-cover"
            />
          </a>
        </li>
      ))}
      {audio.map((clip, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the same clip may be given twice
        <li key={`audio-${index}`}>
          {/* biome-ignore lint/a11y/useMediaCaption: recordings given by the user */}
          <audio
            controls
            src={clip}
            data-testid="run-media-audio"
            aria-label={`Audio ${index + 1} given with the task`}
          />
        </li>
      ))}
    </ul>
  );
}
