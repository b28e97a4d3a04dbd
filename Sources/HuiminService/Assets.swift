import Foundation
import SourceDiagnostics

/// The files the server hands out as they are: the worker's page (HTML, script, style) and the
/// OpenAPI document. They live in Resources/ beside this file and are read once at start.
public struct Assets: Sendable {
    let files: [String: [UInt8]]

    /// The resources folder was not found beside the binary.
    public struct Missing: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    static let names = ["index.html", "app.js", "app.css", "openapi.yaml", "favicon.svg"]

    static func load() throws(Missing) -> Assets {
        guard let folder = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw Missing(description: "the page's files (huimin_HuiminService.resources) are not beside the binary")
        }
        var files: [String: [UInt8]] = [:]
        for name in names {
            guard case .success(let file) = SourceFile.load(path: folder.appendingPathComponent(name).path) else {
                throw Missing(description: "cannot read \(name) in \(folder.path)")
            }
            files[name] = file.bytes
        }
        return Assets(files: files)
    }

    func has(_ name: String) -> Bool { files[name] != nil }

    func response(for name: String) -> ServiceResponse {
        let type: String
        switch name.split(separator: ".").last ?? "" {
        case "html": type = "text/html; charset=utf-8"
        case "js": type = "text/javascript; charset=utf-8"
        case "css": type = "text/css; charset=utf-8"
        case "yaml": type = "application/yaml; charset=utf-8"
        case "svg": type = "image/svg+xml"
        default: type = "application/octet-stream"
        }
        return ServiceResponse(contentType: type, body: files[name] ?? [], headers: [("Cache-Control", "no-cache")])
    }
}
