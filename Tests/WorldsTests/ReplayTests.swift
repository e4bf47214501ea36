import Common
@testable import Worlds
import XCTest

final class ReplayTests: XCTestCase {
    func testRandomPlayFilmsEveryStepReproducibly() throws {
        func play(seed: UInt64) throws -> [ReplayEpisode] {
            try ReplayEpisode.randomPlay(in: LuaWorld(file: Paths.envs("hpp.lua"), seed: seed), seed: seed, episodes: 2)
        }
        let episodes = try play(seed: 4)
        XCTAssertEqual(episodes.count, 2)
        for episode in episodes {
            XCTAssertEqual(episode.frames.count, 51, "the reset plus 50 steps")
            XCTAssertNil(episode.frames[0].reward)
            XCTAssertTrue(episode.frames.dropFirst().allSatisfy { $0.reward != nil })
            XCTAssertEqual(episode.frames[0].calls.count, 8, "3 predators, 3 prey, 2 landmarks")
            XCTAssertNotNil(episode.info["contacts"])
            XCTAssertEqual(episode.info["contacts"]! * 10, episode.episodeReturn, accuracy: 1e-9)
        }
        XCTAssertNotEqual(episodes[0], episodes[1], "consecutive episodes differ")
        XCTAssertEqual(try play(seed: 4), episodes)
        XCTAssertNotEqual(try play(seed: 5), episodes)
    }

    func testFilmedFramesAreTheWorldsPictures() throws {
        let world = try LuaWorld(file: Paths.envs("tag.lua"), seed: 2)
        var episode = ReplayEpisode()
        try world.reset()
        try episode.film(world, reward: nil)
        XCTAssertEqual(episode.frames[0].calls, try world.render())
        XCTAssertEqual(episode.frames[0].calls.first?.kind, .circle)
    }

    /// The data a page embeds, read back the way the page's script reads it.
    func embeddedData(_ page: String) throws -> JSONValue {
        let open = "<script type=\"application/json\" id=\"replay\">"
        let start = try XCTUnwrap(page.range(of: open)).upperBound
        let end = try XCTUnwrap(page[start...].range(of: "</script>")).lowerBound
        return try JSONValue.parse(String(page[start..<end]).replacingOccurrences(of: "<\\/", with: "</"))
    }

    func testPageEmbedsTheEpisodesAndEscapesWhatCouldBreakIt() throws {
        var episode = ReplayEpisode()
        episode.frames = [
            ReplayFrame(calls: [DrawCall(kind: .circle, values: [0.5, -0.25, 0.1], color: "#e4572e", text: nil)], reward: nil),
            ReplayFrame(calls: [DrawCall(kind: .text, values: [1, 2], color: nil, text: "</script><b>{{DATA}}"),
                                DrawCall(kind: .rect, values: [0, 0, 1, 2], color: "red", text: nil)], reward: 1.5),
        ]
        episode.info = ["won": 1]
        let page = ReplayPage.html(title: "a <title> & {{DETAILS}}", details: "d", view: [-1, -1, 1, 1], episodes: [episode])
        XCTAssertEqual(page.components(separatedBy: "</script>").count, 3, "only the two script elements end")
        XCTAssertTrue(page.contains("<h1>a &lt;title&gt; &amp; {{DETAILS}}</h1>"), "markers in a title stay text")
        let data = try embeddedData(page)
        XCTAssertEqual(data["view"], .array([.double(-1), .double(-1), .double(1), .double(1)]))
        guard case let .array(episodes)? = data["episodes"], case let .array(frames)? = episodes.first?["frames"] else {
            return XCTFail("no episodes in \(data)")
        }
        XCTAssertEqual(episodes.first?["return"], .double(1.5))
        XCTAssertEqual(episodes.first?["info"], .object([("won", .double(1))]))
        XCTAssertEqual(frames.count, 2)
        XCTAssertEqual(frames[0]["reward"], .null)
        XCTAssertEqual(frames[0]["calls"], .array([.array([.string("circle"), .double(0.5), .double(-0.25), .double(0.1), .string("#e4572e")])]))
        XCTAssertEqual(frames[1]["calls"], .array([
            .array([.string("text"), .double(1), .double(2), .string("</script><b>{{DATA}}"), .null]),
            .array([.string("rect"), .double(0), .double(0), .double(1), .double(2), .string("red")]),
        ]))
    }
}
