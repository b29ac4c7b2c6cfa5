#!/usr/bin/env python3
"""Writes seed/service-sites-fufeng.csv and seed/service-sites-lixia.csv, the demo's service sites (issue 23).

Fufeng (seed 004): the county centre, 8 town centres and 174 stations (169 villages, 5 communities); 498 staff:
98 on the establishment, 240 purchased public-welfare posts (500元/月), 68 labour assistants (1000–1100元/月) and,
the rest of the 498, 92 village-committee members serving part-time (村级业务大多由村委会成员兼职). Areas add up
to the seed's averages (towns 42.6 m², communities 37.5 m², villages 15.6 m²) with its largest and smallest
sites (城关 55, 天度 36; 东关社区 largest, 法门景区社区 smallest; 美阳村 largest, 永平村 smallest). Village names
other than those the seed names are illustrative, as are staff names, addresses and hall areas.
Run from the project folder: python3 scripts/demo-sites.py (deterministic)."""
import csv
import random

rng = random.Random(23)
HEADER = ["站点编码", "名称", "英文名称", "层级", "行政区划代码", "运营方类型", "运营方", "合同编号", "地址", "建筑面积（平方米）",
          "服务场所面积（平方米）", "设备", "窗口数", "工作人员", "开放时间", "服务事项"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志鹏晓宇海燕欣宁婷雪飞斌浩亮鑫波辉凤梅琳"
PAY = {"编制": "财政全额拨款", "公益岗": "500元/月", "协理员": "1000–1100元/月", "兼职": "村（居）委会兼职"}
TOWN_HOURS = "周一至周五 8:30–12:00，14:30–18:00"
VILLAGE_HOURS = "周一至周五 9:00–12:00，15:00–17:30"
FULL_KIT = "计算机、打印机、传真机、扫描仪、电话"
used = set()


def person(post):
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        if name not in used:
            used.add(name)
            return f"{name}|{post}|{PAY[post]}"


def area(tenths):
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"


def spread(count, total, low, high, fixed):
    """`count` areas in tenths summing to `total`, each within low..high, with the fixed ones (index: tenths) kept."""
    free = [i for i in range(count) if i not in fixed]
    values = {i: rng.randint(low, high) for i in free}
    values.update(fixed)
    diff = total - sum(values.values())
    while diff != 0:
        i = rng.choice(free)
        step = 1 if diff > 0 else -1
        if low <= values[i] + step <= high:
            values[i] += step
            diff -= step
    return [values[i] for i in range(count)]


def fufeng():
    rows = []
    rows.append(["610324-C", "扶风县社会公共服务中心", "Fufeng County Public Service Centre", "县级服务中心", "610324", "政府机构",
                 "扶风县人力资源和社会保障局", "", "扶风县城关街道县府街", "600", "1500", FULL_KIT + "、叫号机、评价器、电子显示屏", "20",
                 "；".join(person("编制") for _ in range(18)), TOWN_HOURS, "FM-001；FM-002；FM-003；FM-004；FM-005"])
    towns = [("001", "城关街道", "Chengguan", 15), ("002", "天度镇", "Tiandu", 21), ("003", "午井镇", "Wujing", 20), ("004", "绛帐镇", "Jiangzhang", 24),
             ("005", "段家镇", "Duanjia", 19), ("006", "杏林镇", "Xinglin", 20), ("007", "召公镇", "Zhaogong", 22), ("008", "法门镇", "Famen", 28)]
    town_areas = [550, 360, 402, 415, 420, 431, 440, 390]  # 城关 largest, 天度 smallest, average 42.6
    assistants = [9, 9, 9, 9, 8, 8, 8, 8]  # 68
    communities = {"001": ["东关社区", "西关社区", "南街社区"], "004": ["绛帐社区"], "008": ["法门景区社区"]}
    community_areas = {"东关社区": 450, "西关社区": 365, "南街社区": 370, "绛帐社区": 390, "法门景区社区": 300}  # average 37.5
    named_villages = {"002": ["永平村"], "008": ["法门村", "黄堆村", "美阳村"]}
    village_jurisdictions = {"法门村": "610324008001", "黄堆村": "610324008002"}
    prefixes = "东西南北上下前后大小新老"
    roots = "王家李家张家刘家陈家杨家赵家周家吴家孙家胡家马家高家罗家梁家宋家郑家韩家唐家冯家曹家袁家邓家许家沈家曾家彭家吕家苏家卢家蒋家蔡家贾家丁家魏家薛家叶家"
    village_names = []
    for p in prefixes:
        for i in range(0, len(roots), 2):
            village_names.append(p + roots[i] + "村")
    rng.shuffle(village_names)
    villages_by_town = {}
    for code, _, _, count in towns:
        names = list(named_villages.get(code, []))
        while len(names) < count:
            candidate = village_names.pop()
            if candidate not in names:
                names.append(candidate)
        villages_by_town[code] = names
    all_villages = [v for code, *_ in towns for v in villages_by_town[code]]
    assert len(all_villages) == 169
    fixed = {all_villages.index("美阳村"): 300, all_villages.index("永平村"): 80}
    village_areas = dict(zip(all_villages, spread(169, 156 * 169, 90, 290, fixed)))
    stations = [(code, name) for code, *_ in towns for name in communities.get(code, []) + villages_by_town[code]]
    assert len(stations) == 174
    # 240 public-welfare posts: 66 stations with two, 108 with one; 92 stations with a committee member serving part-time.
    order = list(range(174))
    rng.shuffle(order)
    two_posts = set(order[:66])
    rng.shuffle(order)
    committee = set(order[:92])
    social = {"法门景区社区": "扶风县法门寺文化志愿服务中心", "美阳村": "扶风县阳光社会工作服务中心", "绛帐社区": "扶风县阳光社会工作服务中心"}
    for (code, name, english, _), town_area, assistant in zip(towns, town_areas, assistants):
        staff = [person("编制") for _ in range(10)] + [person("协理员") for _ in range(assistant)]
        rows.append([f"610324{code}-T", f"{name}社会公共服务中心", f"{english} Public Service Centre", "镇（街道）服务中心", f"610324{code}", "政府机构",
                     f"{name}人民政府", "", f"扶风县{name}政府街", area(town_area), str(rng.randint(30, 80)), FULL_KIT, str(rng.randint(4, 6)),
                     "；".join(staff), TOWN_HOURS, "FM-001；FM-002；FM-003；FM-004；FM-005"])
    town_names = {code: name for code, name, *_ in towns}
    counters = {}
    for index, (code, name) in enumerate(stations):
        counters[code] = counters.get(code, 0) + 1
        is_community = name.endswith("社区")
        staff = [person("公益岗") for _ in range(2 if index in two_posts else 1)] + ([person("兼职")] if index in committee else [])
        operator = ("社会组织", social[name]) if name in social else ("村（居）委会", name + ("居民委员会" if is_community else "村民委员会"))
        tenths = community_areas[name] if is_community else village_areas[name]
        rows.append([f"610324{code}-V{counters[code]:03d}", f"{name}公共服务站", "", "村（社区）服务站", village_jurisdictions.get(name, f"610324{code}"),
                     operator[0], operator[1], "", f"扶风县{town_names[code]}{name}", area(tenths),
                     str(rng.randint(20, 40) if is_community else rng.randint(9, 20)),
                     FULL_KIT if is_community else "计算机、打印机、电话", "2" if is_community else "1", "；".join(staff),
                     TOWN_HOURS if is_community else VILLAGE_HOURS, "FM-001；FM-002；FM-003；FM-004；FM-005"])
    return rows


def lixia():
    streets = [("001", "解放路街道", "Jiefanglu"), ("002", "千佛山街道", "Qianfoshan"), ("003", "趵突泉街道", "Baotuquan"), ("004", "泉城路街道", "Quanchenglu"),
               ("005", "大明湖街道", "Daminghu"), ("006", "东关街道", "Dongguan"), ("007", "文东街道", "Wendong"), ("008", "建新街道", "Jianxin"),
               ("009", "甸柳庄街道", "Dianliuzhuang"), ("010", "燕山街道", "Yanshan"), ("011", "姚家街道", "Yaojia"), ("012", "龙洞街道", "Longdong"),
               ("013", "智远街道", "Zhiyuan"), ("014", "舜华路街道", "Shunhualu")]
    items = "RS-001；RS-004；RS-009；YB-003；SF-001；SF-003；TY-002；MZ-015"
    rows = []
    for code, name, english in streets:
        staff = [person("编制") for _ in range(rng.randint(4, 6))] + [person("公益岗") for _ in range(rng.randint(3, 6))]
        rows.append([f"370102{code}-T", f"{name}便民服务中心", f"{english} Street Service Centre", "镇（街道）服务中心", f"370102{code}", "政府机构",
                     f"济南市历下区{name}办事处", "", f"济南市历下区{name}办事处一楼", area(rng.randint(1800, 4200)), str(rng.randint(200, 600)),
                     FULL_KIT + "、叫号机、评价器、自助服务终端", str(rng.randint(6, 12)), "；".join(staff), "周一至周五 9:00–17:00，周六 9:00–12:00",
                     items + ("；YS-003；YS-004" if code == "010" else "")])
    return rows


for name, rows in [("seed/service-sites-fufeng.csv", fufeng()), ("seed/service-sites-lixia.csv", lixia())]:
    with open(name, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
