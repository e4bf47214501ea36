import Common
import Foundation

/// One moment of an episode as the world draws it: after the reset, or after a step.
public struct ReplayFrame: Sendable, Equatable {
    public var calls: [DrawCall]
    /// The team reward of the step that led here; nil for the picture after the reset.
    public var reward: Double?

    public init(calls: [DrawCall], reward: Double?) {
        self.calls = calls
        self.reward = reward
    }
}

/// One episode of a replay: a frame per step (plus the reset) and the episode's info fields.
public struct ReplayEpisode: Sendable, Equatable {
    public var frames: [ReplayFrame] = []
    public var info: [String: Double] = [:]

    public init() {}

    public var episodeReturn: Double { frames.reduce(0) { $0 + ($1.reward ?? 0) } }

    /// Appends the world's current picture; `reward` is the step's (nil right after a reset).
    public mutating func film(_ world: LuaWorld, reward: Double?) throws {
        frames.append(ReplayFrame(calls: try world.render(), reward: reward))
    }

    /// Episodes of uniformly random play in `world`: a world author's first look at a world.
    public static func randomPlay(in world: LuaWorld, seed: UInt64, episodes: Int) throws -> [ReplayEpisode] {
        world.strict = true
        var policy = RandomPolicy(seed: seed, stream: 0x5E91)
        var action = JointAction(spec: world.spec)
        return try (0..<episodes).map { _ in
            var episode = ReplayEpisode()
            try world.reset()
            try episode.film(world, reward: nil)
            while world.episodeRunning {
                policy.act(world, into: &action)
                try episode.film(world, reward: try world.step(action).reward)
            }
            episode.info = world.episodeInfo
            return episode
        }
    }
}

/// Episodes as one self-contained HTML page (replay.html): a canvas player with play/pause, a
/// step slider, the speed, and each step's reward. Nothing to install; any browser opens it.
/// World coordinates have y pointing up; a rect's (x, y) is its lower-left corner.
public enum ReplayPage {
    /// `curve` names an image beside the page (a run's curve.svg), shown under the player.
    public static func html(title: String, details: String, view: [Double]?, episodes: [ReplayEpisode], curve: String? = nil) -> String {
        // "</" inside the JSON would end the script element early; "\/" is the same string to JSON.
        let json = data(view: view, episodes: episodes).serialized.replacingOccurrences(of: "</", with: "<\\/")
        let curveImage = curve.map { "<img id=\"curve\" src=\"\($0.markupEscaped)\" alt=\"learning curve\" onerror=\"this.remove()\">" } ?? ""
        let values = ["TITLE": title.markupEscaped, "DETAILS": details.markupEscaped, "CURVE": curveImage, "DATA": json]
        // One pass over the template, so a title or a drawn text that spells a marker stays as it is.
        var page = "", rest = template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            page += rest[..<open.lowerBound]
            page += values[String(rest[open.upperBound..<close.lowerBound])] ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return page + rest
    }

    /// The page's data: `view` (or null) and per episode its return, info and frames, each frame
    /// a reward (null after the reset) and draw calls such as ["circle", x, y, r, color].
    static func data(view: [Double]?, episodes: [ReplayEpisode]) -> JSONValue {
        func number(_ v: Double) -> JSONValue { .double(Double(String(format: "%.6g", v)) ?? v) }
        func call(_ c: DrawCall) -> JSONValue {
            var items: [JSONValue] = [.string(c.kind.rawValue)] + c.values.map(number)
            if c.kind == .text { items.append(.string(c.text ?? "")) }
            items.append(c.color.map(JSONValue.string) ?? .null)
            return .array(items)
        }
        return .object([
            ("view", view.map { .array($0.map(number)) } ?? .null),
            ("episodes", .array(episodes.map { episode in
                .object([
                    ("return", number(episode.episodeReturn)),
                    ("info", .object(episode.info.keys.sorted().map { ($0, number(episode.info[$0]!)) })),
                    ("frames", .array(episode.frames.map { frame in
                        .object([("reward", frame.reward.map(number) ?? .null), ("calls", .array(frame.calls.map(call)))])
                    })),
                ])
            })),
        ])
    }

    /// The mark every replay page carries, so that a page is replaced only by another replay.
    public static let generatorMark = #"<meta name="generator" content="marl-sim replay">"#

    static let template = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="generator" content="marl-sim replay">
    <title>{{TITLE}}</title>
    <style>
      body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #222; background: #f4f4f4; }
      h1 { font-size: 18px; margin: 0 0 4px; }
      p { margin: 0 0 12px; color: #555; }
      canvas { background: #fff; border: 1px solid #bbb; display: block; max-width: 100%; }
      #controls { margin-top: 8px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; max-width: 642px; }
      #scrub { flex: 1; min-width: 160px; }
      #status { margin-top: 6px; font-variant-numeric: tabular-nums; white-space: pre; }
      #curve { display: block; margin-top: 16px; max-width: 100%; }
    </style>
    </head>
    <body>
    <h1>{{TITLE}}</h1>
    <p>{{DETAILS}}</p>
    <canvas id="view" width="640" height="640"></canvas>
    <div id="controls">
      <select id="episode"></select>
      <button id="back" title="previous step (left arrow)">&#9664;</button>
      <button id="play" title="play or pause (space)">play</button>
      <button id="next" title="next step (right arrow)">&#9654;</button>
      <input id="scrub" type="range" min="0" max="0" value="0">
      <select id="speed">
        <option value="2">2 steps/s</option><option value="5">5 steps/s</option>
        <option value="10" selected>10 steps/s</option><option value="25">25 steps/s</option><option value="60">60 steps/s</option>
      </select>
    </div>
    <div id="status"></div>
    {{CURVE}}
    <script type="application/json" id="replay">{{DATA}}</script>
    <script>
    "use strict";
    (() => {
      const data = JSON.parse(document.getElementById("replay").textContent);
      const canvas = document.getElementById("view"), ctx = canvas.getContext("2d");
      const scrub = document.getElementById("scrub"), status = document.getElementById("status");
      const play = document.getElementById("play"), speed = document.getElementById("speed");
      const episodeMenu = document.getElementById("episode");
      let episode = 0, frame = 0, timer = null, box = [-1, -1, 1, 1];
      const fmt = v => String(Number.isInteger(v) ? v : +v.toPrecision(4));

      // The world's view, or the extent of everything drawn in the episode plus a margin.
      function extent(frames) {
        if (data.view) return data.view;
        let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
        const grow = (x, y) => { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); };
        for (const f of frames) for (const c of f.calls) {
          if (c[0] === "circle") { grow(c[1] - c[3], c[2] - c[3]); grow(c[1] + c[3], c[2] + c[3]); }
          else if (c[0] === "line") { grow(c[1], c[2]); grow(c[3], c[4]); }
          else if (c[0] === "rect") { grow(c[1], c[2]); grow(c[1] + c[3], c[2] + c[4]); }
          else grow(c[1], c[2]);
        }
        if (!isFinite(x0)) return [-1, -1, 1, 1];
        if (!(x1 > x0)) { x0 -= 1; x1 += 1; }
        if (!(y1 > y0)) { y0 -= 1; y1 += 1; }
        const m = 0.05 * Math.max(x1 - x0, y1 - y0);
        return [x0 - m, y0 - m, x1 + m, y1 + m];
      }

      function show() {
        const ep = data.episodes[episode], f = ep.frames[frame];
        const [x0, y0, x1, y1] = box;
        const s = Math.min(canvas.width / (x1 - x0), canvas.height / (y1 - y0));
        const X = x => (x - x0) * s, Y = y => canvas.height - (y - y0) * s;
        ctx.fillStyle = "#ffffff";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.lineWidth = 2;
        ctx.font = "14px system-ui, sans-serif";
        for (const c of f.calls) {
          const kind = c[0], color = c[kind === "circle" || kind === "text" ? 4 : 5] || "#444444";
          ctx.fillStyle = color;
          ctx.strokeStyle = color;
          if (kind === "circle") {
            ctx.beginPath();
            ctx.arc(X(c[1]), Y(c[2]), Math.max(c[3] * s, 1), 0, 2 * Math.PI);
            ctx.fill();
          } else if (kind === "line") {
            ctx.beginPath();
            ctx.moveTo(X(c[1]), Y(c[2]));
            ctx.lineTo(X(c[3]), Y(c[4]));
            ctx.stroke();
          } else if (kind === "rect") {
            ctx.fillRect(X(c[1]), Y(c[2] + c[4]), c[3] * s, c[4] * s);
          } else {
            ctx.fillText(c[3], X(c[1]), Y(c[2]));
          }
        }
        let sum = 0;
        for (let k = 1; k <= frame; k++) sum += ep.frames[k].reward;
        let text = `step ${frame} of ${ep.frames.length - 1}`;
        if (frame > 0) text += `   reward ${fmt(f.reward)}`;
        text += `   return so far ${fmt(sum)} of ${fmt(ep.return)}`;
        const info = Object.entries(ep.info).map(([key, value]) => `${key} ${fmt(value)}`);
        if (info.length > 0) text += `\nat the episode's end: ${info.join(", ")}`;
        status.textContent = text;
        scrub.value = String(frame);
      }

      function choose(k) {
        episode = k;
        frame = 0;
        box = extent(data.episodes[k].frames);
        const aspect = (box[3] - box[1]) / (box[2] - box[0]);
        canvas.width = 640;
        canvas.height = Math.round(Math.min(Math.max(640 * aspect, 160), 960));
        scrub.max = String(data.episodes[k].frames.length - 1);
        show();
      }
      const last = () => data.episodes[episode].frames.length - 1;
      function stop() {
        if (timer !== null) clearInterval(timer);
        timer = null;
        play.textContent = "play";
      }
      function start() {
        if (frame >= last()) { frame = 0; show(); }
        play.textContent = "pause";
        timer = setInterval(() => {
          if (frame >= last()) { stop(); return; }
          frame += 1;
          show();
        }, 1000 / Number(speed.value));
      }
      const toggle = () => (timer === null ? start() : stop());
      const move = by => { stop(); frame = Math.min(Math.max(frame + by, 0), last()); show(); };
      play.onclick = toggle;
      document.getElementById("back").onclick = () => move(-1);
      document.getElementById("next").onclick = () => move(1);
      scrub.oninput = () => { stop(); frame = Number(scrub.value); show(); };
      speed.onchange = () => { if (timer !== null) { stop(); start(); } };
      episodeMenu.onchange = () => { stop(); choose(Number(episodeMenu.value)); };
      document.addEventListener("keydown", e => {
        if (["INPUT", "SELECT", "BUTTON"].includes(e.target.tagName)) return;
        if (e.key === " ") { e.preventDefault(); toggle(); }
        else if (e.key === "ArrowLeft") move(-1);
        else if (e.key === "ArrowRight") move(1);
      });
      data.episodes.forEach((ep, k) => {
        const option = document.createElement("option");
        option.value = String(k);
        option.textContent = `episode ${k + 1}: return ${fmt(ep.return)}`;
        episodeMenu.appendChild(option);
      });
      if (data.episodes.length > 0) choose(0);
      else status.textContent = "no episodes recorded";
    })();
    </script>
    </body>
    </html>

    """#
}
