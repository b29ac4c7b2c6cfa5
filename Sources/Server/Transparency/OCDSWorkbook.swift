import Foundation
import Tabular
import Transparency

/// A buyer's year of OCDS releases as one workbook for people (issue 26): a sheet per kind of record, headers in
/// Chinese, every row keyed by its process's ocid, and no empty sheet but for a kind the year has none of. Flattened
/// from the latest release of each process, as a compiled release would be.
enum OCDSWorkbook {
    static func sheets(_ releases: [Release]) -> [(name: String, table: Table)] {
        let releases = releases.sorted { $0.ocid < $1.ocid }
        func yuan(_ value: Value?) -> String { value.map { "\($0.amount)" } ?? "" }
        func day(_ text: String?) -> String { text.map { String($0.prefix(10)) } ?? "" }
        let processes = releases.map { r in
            [r.ocid, r.tender.id, r.tender.title, r.buyer.name, r.tender.status, r.tender.spokesStatus, r.tender.procurementMethod ?? "",
             yuan(r.tender.value), day(r.tender.tenderPeriod?.startDate), day(r.tender.tenderPeriod?.endDate), r.tender.numberOfTenderers.map(String.init) ?? ""]
        }
        let lots = releases.flatMap { r in (r.tender.lots ?? []).map { [r.ocid, $0.id, $0.title, $0.status, yuan($0.value)] } }
        let bids = releases.flatMap { r in
            (r.bids?.details ?? []).map { b in
                [r.ocid, b.relatedLots.joined(separator: ","), b.tenderers.map(\.name).joined(separator: "、"), b.tenderers.map(\.id).joined(separator: ","),
                 yuan(b.value), b.date, b.status]
            }
        }
        let awards = releases.flatMap { r in
            (r.awards ?? []).map { a in
                [r.ocid, (a.relatedLots ?? []).joined(separator: ","), (a.suppliers ?? []).map(\.name).joined(separator: "、"), yuan(a.value), a.status,
                 a.spokesStatus, day(a.date)]
            }
        }
        let contracts = releases.flatMap { r in
            (r.contracts ?? []).map { c in
                [r.ocid, c.id, c.title, c.status, c.spokesStatus, yuan(c.value), day(c.dateSigned), day(c.period.startDate), day(c.period.endDate)]
            }
        }
        let milestones = releases.flatMap { r in
            (r.contracts ?? []).flatMap { c in c.milestones.map { [r.ocid, c.id, $0.title, day($0.dueDate), $0.status, $0.spokesStatus, day($0.dateMet)] } }
        }
        let payments = releases.flatMap { r in
            (r.contracts ?? []).flatMap { c in
                (c.implementation?.transactions ?? []).map { [r.ocid, c.id, $0.id, day($0.date), yuan($0.value), $0.payer.name, $0.payee.name] }
            }
        }
        return [
            ("采购项目", Table(header: ["ocid", "项目编号", "项目名称", "采购人", "OCDS状态", "平台状态", "采购方式", "预算金额（元）", "公告日期", "投标截止", "投标人数"], rows: processes)),
            ("标包", Table(header: ["ocid", "标包", "标包名称", "状态", "预算金额（元）"], rows: lots)),
            ("投标", Table(header: ["ocid", "标包", "投标人", "投标人标识", "报价（元）", "提交时间", "状态"], rows: bids)),
            ("成交", Table(header: ["ocid", "标包", "成交供应商", "成交金额（元）", "OCDS状态", "平台状态", "决定日期"], rows: awards)),
            ("合同", Table(header: ["ocid", "合同编号", "合同名称", "OCDS状态", "平台状态", "合同金额（元）", "签订日期", "开始日期", "结束日期"], rows: contracts)),
            ("里程碑", Table(header: ["ocid", "合同编号", "里程碑", "截止日期", "OCDS状态", "平台状态", "完成日期"], rows: milestones)),
            ("付款", Table(header: ["ocid", "合同编号", "付款编号", "付款日期", "金额（元）", "付款方", "收款方"], rows: payments)),
        ]
    }
}
